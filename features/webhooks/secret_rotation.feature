@partner @webhooks
Feature: Rotating my signing secret
  As a partner's developer
  I want a new signing secret while the old one keeps working for a while
  So that I can roll it out to my servers without rejecting events

  Scenario: During the overlap both secrets verify
    Given my organisation has a webhook endpoint that answers "OK"
    When I rotate my signing secret keeping the old one for 3600 seconds
    And SkillForge reports 1 new match to my organisation
    Then the event verifies with my new secret
    And the event verifies with my old secret

  Scenario: Without an overlap only the new secret verifies
    Given my organisation has a webhook endpoint that answers "OK"
    When I rotate my signing secret keeping the old one for 0 seconds
    And SkillForge reports 1 new match to my organisation
    Then the event verifies with my new secret
    And the event does not verify with my old secret
