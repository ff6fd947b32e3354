import HummingbirdCore
import Logging
import NIOCore

/// HTTP/1 connections whose requests run on the connection's own event loop.
///
/// Hummingbird hands each connection to a task on Swift's global executor: every request then crosses threads
/// twice (the event loop reads it and wakes a pool thread; the pool thread writes the answer and wakes the event
/// loop), which cost more than the scoring itself. With the event loop as the connection task's executor
/// preference, reading, routing, scoring and writing happen on the thread that owns the socket. Work that
/// blocks or takes long (registry reads, large bodies) moves back to the global executor (`offLoop`).
///
/// With `fastPath`, `POST /predict` requests that arrive whole are answered in the pipeline itself
/// (`PredictFastPath`), after Hummingbird's connection state handler.
struct EventLoopBoundChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value
    let inner: Inner
    let fastPath: (@Sendable () -> PredictFastPath)?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            if let fastPath {
                let pipeline = channel.pipeline.syncOperations
                let state = try pipeline.context(handlerType: HTTPConnectionStateHandler.self)
                try pipeline.addHandler(fastPath(), position: .after(state.handler))
            }
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await inner.handle(value: value, logger: logger)
        }
    }
}

/// A NIO event loop as a Swift task executor: jobs run on the loop's thread, in its order.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with each connection's requests on its event loop (`EventLoopBoundChannel`).
    static func http1OnEventLoop(
        configuration: HTTP1Channel.Configuration, fastPath: (@Sendable () -> PredictFastPath)? = nil
    ) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            EventLoopBoundChannel(
                inner: HTTP1Channel(responder: responder, configuration: configuration), fastPath: fastPath)
        }
    }
}

/// Runs `work` on the global executor: route handlers that read the registry, render pages or score large
/// bodies must not hold an event loop (and the other connections it serves) while they do.
func offLoop<T: Sendable>(_ work: @Sendable () async -> T) async -> T {
    await withTaskExecutorPreference(globalConcurrentExecutor) { await work() }
}
