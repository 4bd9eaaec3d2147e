user "alice" {}
user "bob" {}
connection "alice_bob" {
  from = user.alice
  to   = user.bob
}
scenario "on-shares in a circle" {
  share "a" {
    from_share = share.b
    to         = user.bob
  }
  share "b" {
    from_share = share.a
    to         = user.alice
  }
}
