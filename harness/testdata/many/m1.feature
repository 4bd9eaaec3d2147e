Feature: Many 1

  Scenario: Sleep 1 a
    Given a short wait
  Scenario: Sleep 1 b
    Given a short wait
  Scenario: Sleep 1 c
    Given a short wait
  Scenario: Sleep 1 d
    Given a short wait
