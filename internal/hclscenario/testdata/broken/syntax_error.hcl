scenario "broken" {
  user "alice" {
    name = "Alice
  }
}
