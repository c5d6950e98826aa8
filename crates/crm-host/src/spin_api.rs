//! Host bindings of the Spin interfaces guests import, generated from the repo's `wit/`
//! (the `crm:records/spin-platform` world), which matches Spin's published WIT.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "crm:records/spin-platform",
    imports: { default: trappable },
    with: {
        "fermyon:spin/key-value.store": crate::kv::GuestStore,
        "spin:sqlite/sqlite.connection": crate::sqlite::GuestConnection,
    },
});
