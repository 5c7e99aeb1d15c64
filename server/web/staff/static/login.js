"use strict";
document.getElementById("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = ev.target, errBox = document.getElementById("login-error");
  errBox.hidden = true;
  try {
    await api("POST", "/api/v1/login", {
      username: document.getElementById("username").value,
      password: document.getElementById("password").value,
    });
    const next = form.dataset.next;
    location.href = next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
  } catch (e) {
    errBox.textContent = e.reason === "locked" ? T("login.locked") : (e.status === 401 ? T("login.failed") : errorText(e));
    errBox.hidden = false;
    document.getElementById("password").value = "";
  }
});
