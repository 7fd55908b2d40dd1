@learner @profiles
Feature: Keeping my profile up to date
  As a learner
  I want to describe myself and the skills I have
  So that advisors and partners see who I am

  Background:
    Given the skills catalogue is loaded
    And I am a signed-up "student" in region "eu"

  Scenario: I add a headline, my goals and two skills
    When I change my headline to "Data analyst in the making"
    And I rate myself 2 in "python" and 3 in "sql"
    Then my profile shows the headline "Data analyst in the making"
    And my profile lists the skills "python, sql"

  @bad_input
  Scenario: I cannot move my data to another region or make myself an operator
    When I try to set my "region" to "us"
    And I try to set my "role" to "operator"
    Then both changes are refused
    And my profile still says I am a "student" in region "eu"

  @bad_input
  Scenario: A skill that does not exist is refused and my skills stay as they were
    Given I rate myself 2 in "python" and 3 in "sql"
    When I rate myself 4 in "time-travel"
    Then the change is refused naming "time-travel"
    And my profile lists the skills "python, sql"
