//! Host bindings of the Spin interfaces guests import, generated from the repo's `wit/`
//! (the `crm:records/spin-platform` world), which matches Spin's published WIT.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "crm:records/spin-platform",
    // `execute` is async so that a statement waiting for the write lock (see `sqlite.rs`)
    // suspends its request instead of blocking a worker thread.
    imports: {
        default: trappable,
        "spin:sqlite/sqlite.[method]connection.execute": async | trappable,
    },
    with: {
        "fermyon:spin/key-value.store": crate::kv::GuestStore,
        "spin:sqlite/sqlite.connection": crate::sqlite::GuestConnection,
    },
});
