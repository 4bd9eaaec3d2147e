user "alice" {}
user "bob" {}
user "jane" {}
connection "ab" {
  from = user.alice
  to   = user.bob
}
connection "bj" {
  from = user.bob
  to   = user.jane
}
item "car" {
  owner    = user.alice
  template = "vehicle"
  slots    = { vin = "V" }
}
scenario "a refused on-share to someone who already holds the item" {
  share "to_bob" {
    item = item.car
    to   = user.bob
  }
  share "to_jane" {
    item = item.car
    to   = user.jane
    after = connection.jane_alice
  }
  connection "jane_alice" {
    from = user.jane
    to   = user.alice
  }
  share "bob_on" {
    from_share = share.to_bob
    to         = user.jane
    refused    = true
  }
}
