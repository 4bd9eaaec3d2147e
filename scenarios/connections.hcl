# Connections by invitation: the HCL twin of features/connections.feature.

user "alice" { pronoun = "she" }
user "bob" { pronoun = "he" }

scenario "Alice invites Bob and Bob accepts" {
  requirements = ["CONN-CREATE-01", "INV-TOKEN-01"]
  connection "alice_bob" {
    from   = user.alice
    to     = user.bob
    invite = true
  }
  expect "one_each" {
    user        = [user.alice, user.bob]
    connections = 1
  }
}

scenario "Either side can delete the connection" {
  requirements = ["CONN-DELETE-01"]
  connection "alice_bob" {
    from = user.alice
    to   = user.bob
  }
  delete "bob_leaves" {
    connection = connection.alice_bob
    by         = user.bob
  }
  expect "none_left" {
    user        = user.bob
    connections = 0
  }
}
