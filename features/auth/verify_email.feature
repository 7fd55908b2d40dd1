@learner @auth
Feature: Confirming my email address
  As a learner who has just signed up
  I want to confirm that my email address is mine
  So that SkillForge can rely on it to reach me

  Background:
    Given I have signed up with the email "maya.chen@learners.example"

  Scenario: The link in the confirmation email confirms my address
    When the confirmation email reaches my inbox
    And I open the link in it
    Then my address is confirmed

  Scenario: A confirmation link works only once
    Given I have confirmed my address with the link from my email
    When I open the same link again
    Then I am told the link is invalid or has expired

  Scenario: Asking for a new link makes the old one useless
    When I ask for a new confirmation link
    Then 2 confirmation emails reach my inbox
    And the link in the first one is refused
    And the link in the second one confirms my address
