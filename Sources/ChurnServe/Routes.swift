import Hummingbird

/// Every route, one line each (`openapi.yaml` at the repository root describes them; keep it true).
/// Requests run on their connection's event loop (`EventLoopBoundChannel`); the routes that read the registry or
/// folders, render pages or may score thousands of rows run `offLoop`.
package enum Routes {
    package static func router(_ handlers: Handlers) -> Router<ServeContext> {
        let router = Router(context: ServeContext.self)
        router.add(middleware: RequestMetrics())
        router.get("/") { _, _ in await offLoop { handlers.dashboard() } }
        router.get("/metrics") { _, _ in await offLoop { handlers.metrics() } }
        router.get("/health") { _, _ in handlers.health() }
        router.get("/ready") { _, _ in handlers.ready() }
        router.post("/predict") { request, context in await handlers.predict(request, context: context) }
        router.post("/invocations") { request, context in await handlers.invocations(request, context: context) }
        router.get("/models") { _, _ in await offLoop { handlers.versions() } }
        router.get("/models/:version") { _, context in
            let version = context.parameters.get("version") ?? ""
            return await offLoop { handlers.model(version) }
        }
        router.get("/runs") { request, _ in await offLoop { handlers.runs(request) } }
        router.get("/history") { request, _ in await offLoop { handlers.history(request) } }
        router.get("/drift/latest") { _, _ in await offLoop { handlers.driftLatest() } }
        router.post("/aliases/:alias") { request, context in
            let alias = context.parameters.get("alias") ?? ""
            return await offLoop { await handlers.moveAlias(alias, request, context: context) }
        }
        router.post("/rollback") { request, context in
            await offLoop { await handlers.rollback(request, context: context) }
        }
        return router
    }
}
