@partner @webhooks
Feature: Replaying dead letters
  As a partner's developer
  I want to have dead letters sent again, one or all, once my endpoint works
  So that I end up with every event, each under its first id

  Background:
    Given my organisation has a webhook endpoint that answers "500 every time"
    And SkillForge reported 2 new matches that ended as dead letters
    And I fixed my endpoint so that it answers "OK" and resumed it

  Scenario: I replay one dead letter
    When I replay my oldest dead letter
    Then my endpoint receives that event under its original id
    And I have 1 dead letter left

  Scenario: I replay every dead letter at once
    When I replay all my dead letters
    Then my endpoint receives both events under their original ids
    And I have 0 dead letters left
