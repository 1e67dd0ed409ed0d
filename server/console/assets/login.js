// Shows the refusal after a wrong token (login.html cannot have inline script).
if (new URLSearchParams(location.search).has("failed")) {
  document.getElementById("failed").hidden = false;
}
