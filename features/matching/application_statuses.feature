@learner @partner @matching
Feature: An application moves through its statuses
  As a learner
  I want to apply to an opportunity and follow what the partner decides
  So that I always know where I stand

  Background:
    Given the skills catalogue is loaded
    And a partner publishes a "Junior data analyst" job in region "eu" needing "python 2, sql 2"
    And I am a signed-up "student" in region "eu"
    And I rate myself 2 in "python" and 2 in "sql"

  @bad_input
  Scenario: I cannot apply before I let partners see my profile
    When I apply to "Junior data analyst"
    Then I am told to allow sharing with partners first
    And I have no applications

  Scenario: The partner takes my application from review to hire
    Given I allow partners to see my profile
    And I applied to "Junior data analyst"
    When the partner moves my application to "reviewing"
    And the partner moves my application to "interview"
    And the partner moves my application to "offered"
    And the partner moves my application to "hired"
    Then my application is "hired"
    And I was notified that it was "submitted, reviewing, interview, offered, hired"
    And the partner received 5 webhook events about it

  @bad_input
  Scenario: A decided application stays decided
    Given I allow partners to see my profile
    And I applied to "Junior data analyst"
    And the partner moves my application to "rejected"
    When I withdraw my application
    Then I am told the application cannot move to that status
    And my application is "rejected"

  Scenario: I withdraw while the partner is still reviewing
    Given I allow partners to see my profile
    And I applied to "Junior data analyst"
    And the partner moves my application to "reviewing"
    When I withdraw my application
    Then my application is "withdrawn"
    And the partner cannot move it to "interview"
