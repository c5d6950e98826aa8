//! Host bindings of the Spin interfaces guests import, generated from the repo's `wit/`
//! (the `crm:records/spin-platform` world), which matches Spin's published WIT.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "crm:records/spin-platform",
    // `execute` is async so that a statement waiting for the write lock (see `sqlite.rs`) or
    // for the log to be synced suspends its request instead of blocking a worker thread.
    imports: {
        default: trappable,
        "spin:sqlite/sqlite.[method]connection.execute": async | trappable,
        // Key-value operations wait for the group commit's sync (see `group_sync.rs`) so too.
        "fermyon:spin/key-value.[method]store.get": async | trappable,
        "fermyon:spin/key-value.[method]store.set": async | trappable,
        "fermyon:spin/key-value.[method]store.delete": async | trappable,
        "fermyon:spin/key-value.[method]store.exists": async | trappable,
        "fermyon:spin/key-value.[method]store.get-keys": async | trappable,
    },
    with: {
        "fermyon:spin/key-value.store": crate::kv::GuestStore,
        "spin:sqlite/sqlite.connection": crate::sqlite::GuestConnection,
    },
});
