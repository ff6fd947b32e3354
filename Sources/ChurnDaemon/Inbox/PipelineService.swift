import Logging
import ServiceLifecycle

/// Keeps the pipeline's lifetime in the service group: on shutdown it stops claiming and lets the files in
/// hand finish within the grace period; the rest stay in `processing/` for the next start.
final class PipelineService: Service {
    private let pipeline: InboxPipeline
    private let grace: @Sendable () -> Double
    private let logger: Logger

    init(pipeline: InboxPipeline, grace: @escaping @Sendable () -> Double, logger: Logger) {
        self.pipeline = pipeline
        self.grace = grace
        self.logger = logger
    }

    func run() async throws {
        try? await gracefulShutdown()
        let left = await pipeline.drain(grace: grace())
        if left > 0 {
            logger.notice("files left in processing for the next start", metadata: ["files": "\(left)"])
        }
        logger.info("stopped")
    }
}
