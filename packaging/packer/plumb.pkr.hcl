# The last provisioning steps of a golden image, with plumb:
#   1. install the agent package;
#   2. record the manifest, with provenance labels (source commit, Packer
#      build, template, pipeline) that `plumbctl nodes --label` and the
#      dashboard show for every node booted from the image;
#   3. run the remaining provisioning steps (cleanup, cloud-init reset), then
#      check the image against the manifest: any drift between the two
#      steps fails the build (exit 1);
#   4. on the build host: sign the manifest when a key is given (the key
#      never enters the image) and push it to the collector's registry.
variable "image_id" { type = string }
variable "source_commit" { type = string }
variable "pipeline_url" {
  type    = string
  default = ""
}
variable "plumb_collector" { type = string }
# PKCS#8 PEM Ed25519 key on the build host; empty: the manifest is pushed
# unsigned (collectors with --trust-key refuse it).
variable "plumb_signing_key" {
  type    = string
  default = ""
}

build {
  sources = ["source.amazon-ebs.base"]

  provisioner "file" {
    source      = "plumb-agent.deb"
    destination = "/tmp/plumb-agent.deb"
  }

  provisioner "shell" {
    inline = [
      "sudo apt-get install -y /tmp/plumb-agent.deb",
      "sudo plumb-agent manifest build --root / --image-id ${var.image_id} -o /etc/plumb/manifest.pb --allow-listener tcp:22:sshd --label commit=${var.source_commit} --label packer_build=${build.PackerRunUUID} --label template=${source.name} ${var.pipeline_url == "" ? "" : "--label pipeline=${var.pipeline_url}"}",
    ]
  }

  # Everything after the manifest must leave the image as recorded.
  provisioner "shell" {
    inline = [
      "sudo apt-get clean",
      "sudo cloud-init clean --logs || true",
      "sudo plumb-agent check --manifest /etc/plumb/manifest.pb --root / --state-dir /tmp/plumb-state",
    ]
  }

  provisioner "file" {
    direction   = "download"
    source      = "/etc/plumb/manifest.pb"
    destination = "manifests/${var.image_id}.pb"
  }

  # PLUMB_CA and PLUMB_TOKEN_FILE (an admin token) come from the pipeline.
  post-processor "shell-local" {
    inline = [
      "if [ -n '${var.plumb_signing_key}' ]; then plumb-agent manifest sign manifests/${var.image_id}.pb --key '${var.plumb_signing_key}'; fi",
      "plumb-agent manifest show manifests/${var.image_id}.pb",
      "plumbctl --collector ${var.plumb_collector} manifest push manifests/${var.image_id}.pb",
    ]
  }
}
