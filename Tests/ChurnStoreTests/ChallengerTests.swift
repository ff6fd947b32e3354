import ChurnCore
import ChurnTestKit
import Foundation
import Testing

@testable import ChurnStore

/// The `challenger` alias follows every registration, promotion and rollback, audited; against real SQLite.
@Suite(.serialized)
struct ChallengerTests {
    @Test func aKeptVersionBecomesTheChallengerInTheSameRegistration() throws {
        // Given the seeded registry: v1 in production, v2 the same model again, kept.
        let copy = try RegistryTests.Copy()
        defer { withExtendedLifetime(copy) {} }
        let registry = copy.lifecycle.registry
        #expect(try registry.aliasVersion(model: "churn_model", alias: AliasName.challenger) == 2)
        let event = try #require(try registry.history(model: "churn_model", alias: AliasName.challenger).first)
        #expect(event.fromVersion == nil && event.toVersion == 2 && event.kind == .promote && event.actor == .user)
        let f1 = try registry.version(model: "churn_model", 2).f1
        #expect(event.reason == "best eligible version not serving: test F1 \(NumberFormat.fixed(f1, 4))")
        // The registration of v2 and the challenger move share one timestamp: one transaction.
        #expect(event.at == (try registry.version(model: "churn_model", 2).registeredAt))
    }

    @Test func promotingTheChallengerMovesTheChallengerToTheOldChampion() throws {
        let copy = try RegistryTests.Copy()
        defer { withExtendedLifetime(copy) {} }
        let lifecycle = copy.lifecycle
        try lifecycle.promote(version: 2, actor: .user("alice"))
        #expect(try lifecycle.servingVersion() == 2)
        #expect(try lifecycle.servingVersion(alias: AliasName.challenger) == 1)
        let event = try #require(try lifecycle.history(alias: AliasName.challenger).first)
        #expect(event.fromVersion == 2 && event.toVersion == 1 && event.actor == .user("alice"))
    }

    @Test func aVersionRolledBackFromIsNoChallengerAndTheAliasIsRemovedAudited() throws {
        let copy = try RegistryTests.Copy()
        defer { withExtendedLifetime(copy) {} }
        let lifecycle = copy.lifecycle
        try lifecycle.promote(version: 2, actor: .user)
        // When production goes back to v1, v2 was rolled back from: no version qualifies.
        try lifecycle.rollback(actor: .daemon, reason: "drift alert: test")
        #expect(try lifecycle.servingVersion() == 1)
        #expect(try lifecycle.servingVersion(alias: AliasName.challenger) == nil)
        #expect(try !lifecycle.registry.aliases(model: "churn_model").contains { $0.name == AliasName.challenger })
        let removal = try #require(try lifecycle.history(alias: AliasName.challenger).first)
        #expect(removal.kind == .remove && removal.fromVersion == 1 && removal.toVersion == nil)
        #expect(removal.actor == .daemon)
        #expect(removal.reason == "no eligible version besides production: challenger removed")
        // Production's own history (and so the next rollback) ignores the challenger's moves.
        #expect(try lifecycle.history(alias: AliasName.production).map(\.toVersion) == [1, 2, 1])
    }

    @Test func aRaisedGateRemovesTheChallengerOnTheNextRefresh() throws {
        let copy = try RegistryTests.Copy()
        defer { withExtendedLifetime(copy) {} }
        let registry = copy.lifecycle.registry
        #expect(try registry.refreshChallenger(model: "churn_model", rule: .standard, actor: .daemon) == nil)
        let move = try registry.refreshChallenger(model: "churn_model", rule: .init(gateF1: 0.99), actor: .daemon)
        #expect(move?.kind == .remove)
    }

    @Test func theFamiliesARunDidNotChooseAreRecordedAsNotSelectedRuns() throws {
        let copy = try RegistryTests.Copy()
        defer { withExtendedLifetime(copy) {} }
        let runs = try copy.lifecycle.registry.runs(model: "churn_model")
        // Newest first: each training run's own record comes after its alternative.
        #expect(runs.map(\.outcome) == [.kept, .notSelected, .promoted, .notSelected])
        let alternative = runs[1]
        #expect(alternative.version == nil)
        #expect(alternative.parameters.family != runs[0].parameters.family)
        #expect(alternative.metrics != nil && alternative.metrics != runs[0].metrics)
        #expect(alternative.reason.hasPrefix("not selected: \(alternative.parameters.family) has validation F1 0."))
        #expect(try copy.lifecycle.registry.runCounts(model: "churn_model")[.notSelected] == 2)
    }
}
