@learner @auth
Feature: Resetting a forgotten password
  As a learner who forgot my password
  I want to set a new one through a link sent to my email
  So that I get back into my account, and nobody else stays in it

  Background:
    Given I have an account with the email "ines@learners.example" and the password "my old passphrase"
    And I am logged in on 2 devices

  Scenario: The reset link sets a new password and logs me out everywhere
    When I ask to reset the password of "ines@learners.example"
    And I choose the new password "my new passphrase" with the link from the reset email
    Then I can log in with "my new passphrase"
    And I cannot log in with "my old passphrase"
    And I am logged out on both devices

  Scenario: A reset link works only once
    Given I have reset my password to "my new passphrase" with the link from the reset email
    When I use the same link to choose "someone else's passphrase"
    Then I am told the link is invalid or has expired
    And I can log in with "my new passphrase"

  Scenario: Asking for an address nobody uses gives nothing away
    When I ask to reset the password of "nobody@learners.example"
    Then I get the same answer as for my own address
    And no email is sent to "nobody@learners.example"

  Scenario: An expired reset link changes nothing
    Given I asked to reset my password more than an hour ago
    When I choose the new password "my new passphrase" with the link from the reset email
    Then I am told the link is invalid or has expired
    And I can log in with "my old passphrase"
