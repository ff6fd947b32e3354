import Hummingbird

/// Every route, one line each (`openapi.yaml` at the repository root describes them; keep it true).
package enum Routes {
    package static func router(_ handlers: Handlers) -> Router<ServeContext> {
        let router = Router(context: ServeContext.self)
        router.add(middleware: RequestMetrics())
        router.get("/") { _, _ in handlers.dashboard() }
        router.get("/metrics") { _, _ in handlers.metrics() }
        router.get("/health") { _, _ in handlers.health() }
        router.get("/ready") { _, _ in handlers.ready() }
        router.post("/predict") { request, context in await handlers.predict(request, context: context) }
        router.post("/invocations") { request, context in await handlers.invocations(request, context: context) }
        router.get("/models") { _, _ in handlers.versions() }
        router.get("/models/:version") { _, context in handlers.model(context.parameters.get("version") ?? "") }
        router.get("/runs") { request, _ in handlers.runs(request) }
        router.get("/history") { request, _ in handlers.history(request) }
        router.get("/drift/latest") { _, _ in handlers.driftLatest() }
        router.post("/aliases/:alias") { request, context in
            await handlers.moveAlias(context.parameters.get("alias") ?? "", request, context: context)
        }
        router.post("/rollback") { request, context in await handlers.rollback(request, context: context) }
        return router
    }
}
