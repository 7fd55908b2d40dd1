@partner @webhooks
Feature: Events that never get through are kept as dead letters
  As a partner's developer
  I want every event my endpoint never accepted kept where I can see it
  So that I can find out what I missed and have it sent again

  Scenario: An event my endpoint never accepts becomes a dead letter
    Given my organisation has a webhook endpoint that answers "500 every time"
    When SkillForge reports 1 new match to my organisation
    Then my dead letters list 1 event, after 4 attempts
    And nothing is pending for my endpoint
