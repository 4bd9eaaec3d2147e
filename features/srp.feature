Feature: SRP login at the Keystore
  The Keystore never learns a password. At registration the client sends an SRP-6a verifier made
  from the SRP password (PBKDF2 of the password, salted with the secret key reversed); at each login
  it proves it knows that password with jsrp's proof M1 = H(A | B | K), in the 2048-bit group of
  RFC 5054 with A and B as 512 hex digits. A username belongs to the first user who registers it: a
  second registration is refused with username_taken, which Meeco's SDK reads as "already there",
  and the first verifier stays. A challenge is spent by the login it was made for, and a wrong proof
  is refused with 401, the status the SDK reads as "login failed".

  Background:
    Given Alice is a registered user

  @req:SRP-USERNAME-01 @req:SRP-USERNAME-01:neg
  Scenario: Usernames are handed out once
    Then the Keystore hands out usernames that nobody holds

  @req:SRP-REGISTER-01:neg @req:SRP-SALT-01:neg @req:ERR-SHAPE-01 @req:ERR-LEAK-01:neg
  Scenario: A username registered again keeps its first verifier
    When Alice's username is registered again with the password "not-alices-password"
    Then the request is refused with status 400 and error "username_taken"
    When Alice logs in
    Then Alice is logged in with the keys she registered
    When Alice logs in with the wrong password "not-alices-password"
    Then the request is refused with status 401
    And every refusal in this scenario is a Meeco error body that quotes nothing the request carried

  @req:SRP-REPLAY-01 @req:SRP-REPLAY-01:neg @req:SRP-PROOF-01 @req:SRP-PROOF-01:neg @req:SRP-ENUM-01 @req:SRP-ENUM-01:neg
  Scenario: A login exchange is used once
    When Alice logs in
    Then replaying Alice's last SRP login is refused with status 401
    And an SRP login of Alice with a forged proof is refused with status 401
    And an SRP login as a username nobody registered is refused with status 401

  @req:SRP-GROUP-01 @req:SRP-GROUP-01:neg @req:SRP-SALT-01
  Scenario: SRP runs in jsrp's group
    When Alice logs in
    Then Alice's SRP exchanges carry A and B as 512 lowercase hex digits and the salt she registered
    And SRP challenges for Alice with A = 0 or A = N are refused
