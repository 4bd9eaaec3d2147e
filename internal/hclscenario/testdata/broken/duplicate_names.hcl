user "alice" {}
user "bob" {}
user "alice" {}
scenario "dup" {
  user "bob" {}
  item "car" {
    owner = user.alice
    template = "vehicle"
    slots = { vin = "1", vin = "2" }
  }
}
scenario "dup" {
  user "carol" {}
}
