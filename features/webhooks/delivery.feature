@partner @webhooks
Feature: My organisation receives signed events
  As a partner's developer
  I want SkillForge to post its events to my endpoint, signed with my secret
  So that I can trust them and act on them

  Scenario: A new match reaches my endpoint, signed
    Given my organisation has a webhook endpoint that answers "OK"
    When SkillForge reports 1 new match to my organisation
    Then my endpoint receives 1 event
    And every event verifies with my signing secret
    And the delivery log shows 1 attempt answered 200

  Scenario: Events of a type I did not choose are not sent
    Given my organisation has a webhook endpoint for "application.created" that answers "OK"
    When SkillForge reports 1 new match to my organisation
    Then no delivery is made to my endpoint
