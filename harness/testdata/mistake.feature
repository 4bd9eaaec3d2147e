Feature: Mistakes in scenarios

  Scenario: A step that blames the scenario
    Given a scenario mistake
