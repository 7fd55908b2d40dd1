@partner @webhooks
Feature: An endpoint that is gone or keeps failing is disabled
  As a partner's developer
  I want SkillForge to stop sending to an endpoint that is gone or broken
  So that nothing piles up behind it, and I can resume it once it is fixed

  Scenario: An endpoint that answers 410 Gone is disabled at once
    Given my organisation has a webhook endpoint that answers "410 Gone"
    When SkillForge reports 1 new match to my organisation
    Then my endpoint is disabled because "it answered 410 Gone"
    And a later event is not sent to it

  Scenario: An endpoint that keeps failing is disabled
    Given my organisation has a webhook endpoint that answers "500 every time"
    When SkillForge reports 2 new matches to my organisation
    Then my endpoint is disabled because "2 deliveries in a row ran out of attempts"

  Scenario: A resumed endpoint receives events again
    Given my organisation has a webhook endpoint that answers "410 Gone"
    And SkillForge reported 1 new match that disabled my endpoint
    When I fixed my endpoint so that it answers "OK" and resumed it
    And SkillForge reports 1 new match to my organisation
    Then my endpoint receives 1 event
