Feature: A harness that breaks

  Scenario: A step that blames the harness
    Given a harness breakdown
