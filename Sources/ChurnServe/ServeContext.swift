import Hummingbird
import NIOCore

/// The request context of churnd's routes: Hummingbird's core context and the connection, so a refused body
/// (413, 408) can close it instead of reading what the client still sends.
package struct ServeContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    package let channel: any Channel

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Closes the connection shortly after the response now being written has gone out.
    func closeAfterResponse() {
        let channel = self.channel
        channel.eventLoop.scheduleTask(in: .milliseconds(100)) { channel.close(promise: nil) }
    }
}
