@learner @student @matching
Feature: A student signs up and sees the opportunities that fit
  As a student
  I want to see which opportunities match the skills I have
  So that I know where to apply and what to learn next

  Background:
    Given the skills catalogue is loaded
    And a partner publishes a "Data analyst intern" internship in region "eu" needing "python 2, sql 2"
    And a partner publishes a "Marketing assistant" job in region "eu" needing "customer-onboarding 2"
    And a partner publishes a "Python developer" job in region "us" needing "python 3"
    And I am a signed-up "student" in region "eu"

  Scenario: My first matches come from the skills I give
    When I rate myself 2 in "python" and 1 in "sql"
    Then my best match is "Data analyst intern" with a score of 52.5
    And its explanation says I meet "python" and lack "sql" at level 2 with 1
    And "Marketing assistant" is not among my matches
    And "Python developer" is not among my matches

  Scenario: Improving a skill improves my match
    Given I rate myself 2 in "python" and 1 in "sql"
    When I rate myself 2 in "python" and 2 in "sql"
    Then my best match is "Data analyst intern" with a score of 80

  @bad_input
  Scenario: I cannot look at opportunities of another region
    When I open "Python developer"
    Then I am told it does not exist
