Feature: Many 2

  Scenario: Sleep 2 a
    Given a short wait
  Scenario: Sleep 2 b
    Given a short wait
  Scenario: Sleep 2 c
    Given a short wait
  Scenario: Sleep 2 d
    Given a short wait
