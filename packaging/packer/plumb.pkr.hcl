# Last provisioning steps of a golden image: record the manifest, check the
# image against it (exit 1 on any deviation fails the build), and publish
# the manifest to the collector's registry.
build {
  sources = ["source.amazon-ebs.base"]

  provisioner "file" {
    source      = "plumb-agent"
    destination = "/tmp/plumb-agent"
  }

  provisioner "shell" {
    inline = [
      "sudo install -m 0755 /tmp/plumb-agent /usr/bin/plumb-agent",
      "sudo mkdir -p /etc/plumb",
      "sudo plumb-agent manifest build --root / --image-id ${var.image_id} -o /etc/plumb/manifest.pb --allow-listener tcp:22:sshd",
      "sudo plumb-agent check --manifest /etc/plumb/manifest.pb --root / --state-dir /tmp/plumb-state",
    ]
  }

  provisioner "file" {
    direction   = "download"
    source      = "/etc/plumb/manifest.pb"
    destination = "manifests/${var.image_id}.pb"
  }

  # Sign on the build host (the key never enters the image), then push with
  # an admin token: PLUMB_CA and PLUMB_TOKEN_FILE come from the pipeline.
  post-processor "shell-local" {
    inline = [
      "plumb-agent manifest sign manifests/${var.image_id}.pb --key ${var.plumb_signing_key}",
      "plumbctl --collector ${var.plumb_collector} manifest push manifests/${var.image_id}.pb",
    ]
  }
}
