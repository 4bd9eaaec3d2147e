user "alice" {}
user "bob" {}
scenario "missing" {
  item "car" {
    template = "vehicle"
  }
  connection "c" {
    from = user.alice
  }
}
