import ChurnCore
import Testing

struct ChallengerRuleTests {
    typealias C = ChallengerRule.Candidate
    let rule = ChallengerRule(gateF1: 0.65)

    @Test func theHighestTestF1ThatIsNotServingWinsAndTiesGoToTheNewest() {
        let versions = [
            C(version: 1, testF1: 0.72, schemaKey: "a"), C(version: 2, testF1: 0.71, schemaKey: "a"),
            C(version: 3, testF1: 0.71, schemaKey: "a"), C(version: 4, testF1: 0.70, schemaKey: "a"),
        ]
        #expect(rule.pick(versions, champion: 1)?.version == 3)
        #expect(rule.pick(versions, champion: 3)?.version == 1)
        #expect(rule.pick(versions, champion: 1, excluded: [2, 3])?.version == 4)
    }

    @Test func otherSchemasVersionsBelowTheGateAndTheChampionAreNeverPicked() {
        let versions = [
            C(version: 1, testF1: 0.70, schemaKey: "a"), C(version: 2, testF1: 0.80, schemaKey: "b"),
            C(version: 3, testF1: 0.60, schemaKey: "a"),
        ]
        #expect(rule.pick(versions, champion: 1) == nil)
        #expect(rule.pick(versions, champion: nil)?.version == 2)
        #expect(ChallengerRule.reason(for: nil) == "no eligible version besides production: challenger removed")
        #expect(ChallengerRule.reason(for: versions[0]) == "best eligible version not serving: test F1 0.7000")
    }
}
