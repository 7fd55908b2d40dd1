@learner @auth
Feature: Too many wrong passwords
  As a learner
  I want my account to resist someone guessing its password
  So that nobody gets in by trying again and again

  Background:
    Given I have an account with the email "li.wei@learners.example" and the password "the right passphrase"

  Scenario: Wrong passwords slow further attempts down
    When I log in with a wrong password 3 times
    Then my next attempt is refused and I am asked to wait 2 seconds

  Scenario: Five wrong passwords lock the account, even against the right one
    When I log in with a wrong password 5 times, waiting as asked
    Then logging in with the right password is refused because the account is locked
    And I am asked to try again in 15 minutes

  Scenario: The lock ends by itself
    Given my account was locked after 5 wrong passwords
    When 15 minutes pass
    Then I can log in with the right password

  Scenario: Guessing at an address nobody uses gets the same answers
    When someone logs in to "ghost@learners.example" with a wrong password 5 times, waiting as asked
    Then the next attempt for "ghost@learners.example" is refused because the account is locked
