Feature: A failure and a mistake

  Scenario: The target fails
    Then 1 plus 1 is 3

  Scenario: The scenario is wrong
    Given a scenario mistake
