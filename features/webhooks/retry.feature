@partner @webhooks
Feature: Failed deliveries are tried again
  As a partner's developer
  I want a delivery my endpoint failed to be tried again, later each time
  So that a short outage on my side loses no event

  Scenario: A brief outage is ridden out
    Given my organisation has a webhook endpoint that answers "500 twice, then OK"
    When SkillForge reports 1 new match to my organisation
    Then my endpoint receives the event on attempt 3
    And every attempt carried the same event id
    And each wait was longer than the one before

  Scenario: A dropped connection counts as a failure and is tried again
    Given my organisation has a webhook endpoint that answers "a dropped connection, then OK"
    When SkillForge reports 1 new match to my organisation
    Then my endpoint receives the event on attempt 2
