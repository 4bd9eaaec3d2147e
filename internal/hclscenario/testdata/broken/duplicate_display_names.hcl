user "alice" {}
user "alicia" { name = "Alice" }
scenario "two Alices" {
  item "a" {
    owner    = user.alice
    template = "vehicle"
    label    = "Car"
    slots    = { vin = "1" }
  }
  item "b" {
    owner    = user.alicia
    template = "vehicle"
    label    = "Car"
    slots    = { vin = "2" }
  }
}
