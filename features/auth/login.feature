@learner @auth
Feature: Logging in and out
  As a learner with an account
  I want to log in with my email and password, and log out again
  So that only I can use my profile

  Background:
    Given I have an account with the email "ines@learners.example" and the password "a long passphrase"

  Scenario: Logging in with the right password
    When I log in with "INES@learners.example" and "a long passphrase"
    Then I am signed in

  Scenario: A wrong password is refused without saying which part was wrong
    When I log in with "ines@learners.example" and "not my passphrase"
    Then I am refused with "The email or password is wrong."

  Scenario: After logging out my token no longer works
    Given I am logged in
    When I log out
    Then my token is refused
