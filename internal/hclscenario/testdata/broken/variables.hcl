variable "password" {}
variable "plate" { default = var.password }
user "alice" { password = var.pasword }
user "bob" { password = env("VAULTCHECK_TEST_SURELY_UNSET") }
scenario "vars" {
  user "carol" { password = file("no-such-file.txt") }
}
