user "alice" {}
user "bob" {}
connection "alice_bob" {
  from = user.alice
  to   = user.bob
}
scenario "references where values go" {
  item "car" {
    owner    = user.alice
    template = user.bob
    slots    = { vin = item.car }
  }
}
