@learner @auth
Feature: Signing up
  As a student or a career changer
  I want to create my SkillForge account
  So that I can build a skills profile and be matched to opportunities

  Scenario: A student signs up and is signed in straight away
    Given I have not signed up yet
    When I sign up as a "student" in region "eu" with the name "Maya Chen"
    Then I am signed in as "Maya Chen"
    And my profile says I am a "student" in region "eu"

  Scenario: A career changer keeps the name she typed, accents and emoji included
    Given I have not signed up yet
    When I sign up as a "career_changer" in region "us" with the name "Zoë O'Neill 🚀"
    Then I am signed in as "Zoë O'Neill 🚀"

  Scenario: The same email in another letter case cannot sign up twice
    Given someone has signed up with the email "Sam.Rivera@learners.example"
    When I sign up with the email "sam.rivera@LEARNERS.example"
    Then I am told "An account with this email already exists."
    And exactly one account uses "sam.rivera@learners.example"

  @bad_input
  Scenario Outline: A sign-up with bad input is refused and stores nothing
    Given I have not signed up yet
    When I sign up with the <field> "<value>"
    Then the sign-up is refused with status <status> about the <field>
    And no account was created

    Examples:
      | field        | value                        | status |
      | email        | not-an-email                 | 422    |
      | password     | short                        | 422    |
      | display_name | <81 letters>                 | 422    |
      | display_name | <NUL byte>                   | 422    |
      | persona      | wizard                       | 422    |
      | region       | mars                         | 422    |
      | role         | operator                     | 422    |

  @bad_input
  Scenario: A sign-up that is not JSON at all is refused
    When I send a sign-up whose body is broken JSON
    Then the sign-up is refused with status 400 as "malformed-json"
    And no account was created
