user "alice" {}
user "bob" {}
scenario "typo in block type" {
  shares "x" {
    to = user.bob
  }
  frobnicate "y" {}
}
