Feature: Does not parse

  Scenario: Fine so far
    Given the target answers
  This line is not a step
