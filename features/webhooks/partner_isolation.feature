@partner @webhooks
Feature: Partners see only their own webhooks
  As a partner
  I want my endpoints, deliveries and dead letters out of other partners' reach
  So that no other organisation learns about my learners or changes my set-up

  Background:
    Given another organisation has a webhook endpoint that answers "OK"
    And my organisation has a webhook endpoint that answers "OK"

  Scenario: Another organisation's endpoint does not exist for me
    When I ask for the other organisation's endpoint
    Then I am answered "not found"
    When I try to pause the other organisation's endpoint
    Then I am answered "not found"
    And the other organisation's endpoint is still active
    And my endpoint list shows only my endpoint

  @bad_input
  Scenario: A list filter cannot widen what I see
    When I list deliveries asking for the other organisation's
    Then I am answered "bad query"

  Scenario: An API key does only what its scopes allow
    Given I have an API key with only the scope "webhooks:read"
    Then with the key I can list my endpoints
    But with the key I cannot register an endpoint
