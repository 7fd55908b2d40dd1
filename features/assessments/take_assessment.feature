@learner @assessments
Feature: Taking a skill assessment
  As a learner
  I want to prove what I can do in a skill with a timed assessment
  So that advisors and partners can trust the level on my profile

  Background:
    Given the assessment catalogue is loaded
    And I am a signed-up "student" in region "eu"

  Scenario: I pass an assessment and my profile shows the level it proved
    When I start the "python" assessment
    Then I see its questions but none of their answers
    When I answer every question correctly
    Then my result is 100% at the "expert" level
    And my profile shows level 4 assessed in "python"
    And I am told that the assessment is completed

  Scenario: I cannot run two attempts at the same assessment at once
    Given I started the "sql" assessment
    When I start the "sql" assessment again
    Then I am told an attempt is already in progress
    And my history lists 1 attempt

  @bad_input
  Scenario: Answers that arrive after the time limit do not count
    Given I started the "python" assessment
    And the time limit has passed
    When I answer every question correctly
    Then I am told the attempt has expired
    And my profile has no assessed level in "python"

  Scenario: My history shows my latest attempt first
    Given I took the "python" assessment and answered every question correctly
    And I started the "sql" assessment
    When I look at my history
    Then I see the "sql" attempt first and the "python" attempt after it
