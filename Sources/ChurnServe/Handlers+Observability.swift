import ChurnStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension Handlers {
    /// `GET /metrics`: the Prometheus text, with the registry's state read at each scrape.
    func metrics() -> Response {
        let text = MetricsExport(registry: MetricsExport.bootstrap(), lifecycle: lifecycle, root: root).render()
        return Response(
            status: .ok, headers: [.contentType: MetricsExport.contentType],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// `GET /`: the dashboard, one page with no script and no outside asset.
    func dashboard() -> Response {
        do {
            let snapshot = try DashboardSnapshot.load(
                lifecycle: lifecycle, root: root, now: Date().timeIntervalSince1970)
            var headers: HTTPFields = [.contentType: DashboardPage.contentType]
            headers[.contentSecurityPolicy] = DashboardPage.contentSecurityPolicy
            return Response(
                status: .ok, headers: headers,
                body: .init(byteBuffer: ByteBuffer(string: DashboardPage.render(snapshot))))
        } catch {
            return JSONResponse.detail(.serviceUnavailable, "cannot read the registry: \(error)")
        }
    }
}

/// Counts every answered request by its route's pattern (`/models/{version}`, not the path asked for) and
/// status, and times it, for `churnd_http_requests_total` and `churnd_http_request_seconds`.
struct RequestMetrics<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        func record(_ status: HTTPResponse.Status) {
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            MetricsExport.recordRequest(
                route: context.endpointPath ?? "unmatched", status: status.code, seconds: seconds)
        }
        do {
            let response = try await next(request, context)
            record(response.status)
            return response
        } catch {
            record((error as? any HTTPResponseError)?.status ?? .internalServerError)
            throw error
        }
    }
}
