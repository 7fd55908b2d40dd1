@advisor @profiles
Feature: An advisor following a learner
  As an advisor
  I want to see the learners I follow, and only them
  So that I can support my learners without seeing anyone else's

  Background:
    Given I am an advisor
    And I follow the learners "Maya Chen" and "Tom Okafor", in that order
    And another advisor follows the learner "Sam Rivera"

  Scenario: My list shows the learners I follow, longest followed first
    When I open my list of learners
    Then I see "Maya Chen" and then "Tom Okafor"
    And I do not see "Sam Rivera"

  Scenario: I can read the profile of a learner I follow
    When I open the profile of "Maya Chen"
    Then I see the profile of "Maya Chen"

  Scenario: A learner I do not follow stays hidden from me
    When I open the profile of "Sam Rivera"
    Then I am told there is no such learner

  Scenario: My list comes in pages that end honestly
    When I open my list of learners, 1 per page
    Then page 1 shows "Maya Chen" and says there is more
    And page 2 shows "Tom Okafor" and says there is no more
    And page 3 is empty

  @bad_input
  Scenario: A page number below 1 is refused
    When I ask for page 0 of my list of learners
    Then I am told the page is out of range
