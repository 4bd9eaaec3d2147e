user "alice" { name = "Alice Smith" }
user "bob" { name = "" }
user "third_one" { name = "3rd" }
scenario "names" {
  user "x1" {}
}
