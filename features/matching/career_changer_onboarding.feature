@learner @career_changer @matching
Feature: A career changer finds where their experience fits
  As someone changing careers
  I want my experience to count even where I fall short
  So that I see the roles within reach and the skills to learn for the others

  Background:
    Given the skills catalogue is loaded
    And a partner publishes a "Customer insights analyst" job in region "eu" needing "customer-onboarding 3, excel-pivot-tables 3, data-visualisation 2"
    And a partner publishes a "Onboarding specialist" job in region "eu" needing "customer-onboarding 2"
    And I am a signed-up "career_changer" in region "eu"

  Scenario: My experience matches one role fully and another in part
    When I rate myself 4 in "customer-onboarding" and 1 in "excel-pivot-tables"
    Then my best match is "Onboarding specialist" with a score of 80
    And my match "Customer insights analyst" has a score of 32.22
    And its gaps are "excel-pivot-tables" at level 3 with 1 and "data-visualisation" at level 2 with 0

  Scenario: I save the role I am reaching for and find it again later
    Given I rate myself 4 in "customer-onboarding" and 1 in "excel-pivot-tables"
    When I save "Customer insights analyst"
    Then my saved opportunities are "Customer insights analyst"
