# Compiled by vaultcheck from scenarios/connections.hcl; edit that file, not this text.
Feature: scenarios/connections.hcl

  Background:
    # scenarios/connections.hcl:3
    Given users Alice and Bob are registered

  # scenarios/connections.hcl:6
  @req:CONN-CREATE-01 @req:INV-TOKEN-01
  Scenario: Alice invites Bob and Bob accepts
    # scenarios/connections.hcl:8
    When Alice invites Bob to connect as "Bob"
    And Bob accepts Alice's invitation as "Alice"
    # scenarios/connections.hcl:13
    Then Alice has 1 connection
    And Bob has 1 connection

  # scenarios/connections.hcl:19
  @req:CONN-DELETE-01
  Scenario: Either side can delete the connection
    # scenarios/connections.hcl:21
    Given Alice and Bob are connected
    # scenarios/connections.hcl:25
    When Bob deletes his connection to Alice
    # scenarios/connections.hcl:29
    Then Bob has 0 connections
