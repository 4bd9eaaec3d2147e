user "alice" {}
user "bob" {}
connection "alice_bob" {
  from = user.alice
  to   = user.bob
}
scenario "values steps cannot carry" {
  item "car" {
    owner    = user.alice
    template = "vehicle"
    label    = "Bob's \"fast\" car"
    slots    = { vin = " padded ", note = "line\u0007bell" }
  }
}
