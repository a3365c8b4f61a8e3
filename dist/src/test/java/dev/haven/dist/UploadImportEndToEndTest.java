package dev.haven.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.haven.dist.client.QemuIo;
import dev.haven.dist.standalone.StandaloneOptions;
import dev.haven.dist.standalone.StandalonePorts;
import dev.haven.dist.standalone.StandaloneStack;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * R5 import by upload through the real API and a real agent (the standalone stack in process):
 * {@code POST /hosts/{id}/vms/import} with a raw or qcow2 image as the request body makes a VM
 * whose disk holds exactly the image's raw bytes; a bad image, bad parameters or an unknown host
 * are refused; and neither a refusal nor a client that hangs up mid-upload leaves a VM or a temp
 * file behind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UploadImportEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long SIZE = 20L << 20;

  private Path tmp;
  private Path data;
  private StandaloneStack stack;
  private String api;
  private String host;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    tmp = dir;
    data = tmp.resolve("haven-data");
    int[] ports = StandaloneProcess.freePorts(6);
    int ui = StandaloneProcess.freePorts(6)[0];
    stack =
        StandaloneStack.start(
            new StandaloneOptions(
                data,
                "test-server",
                "127.0.0.1",
                new StandalonePorts(ports[0], ports[1], ui, ports[2], ports[4])),
            new PrintStream(OutputStream.nullOutputStream()));
    api = "http://127.0.0.1:" + ports[0] + "/api/v1";
    for (JsonNode h : get("/hosts")) {
      if (h.get("name").asText().equals("primary-host")) {
        host = h.get("id").asText();
      }
    }
    assertThat(host).isNotNull();
  }

  @AfterAll
  void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void R5_uploadedRawAndQcow2ImagesBecomeVmsWithTheImagesBytes() throws Exception {
    Path raw = tmp.resolve("guest.raw");
    try (RandomAccessFile file = new RandomAccessFile(raw.toFile(), "rw")) {
      file.setLength(SIZE);
      SplittableRandom random = new SplittableRandom(11);
      for (long at : new long[] {0, 5L << 20, SIZE - 500_000}) {
        byte[] block = new byte[500_000];
        random.nextBytes(block);
        file.seek(at);
        file.write(block);
      }
    }
    Path qcow2 = tmp.resolve("guest.qcow2");
    run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw.toString(), qcow2.toString());
    // The expected content of a qcow2 import is what qemu-img reads out of it as raw.
    Path qcow2AsRaw = tmp.resolve("guest-from-qcow2.raw");
    run("qemu-img", "convert", "-f", "qcow2", "-O", "raw", qcow2.toString(), qcow2AsRaw.toString());

    for (Path image : List.of(raw, qcow2)) {
      String name = "up-" + image.getFileName().toString().replace('.', '-');
      HttpResponse<String> reply =
          upload(
              "/hosts/" + host + "/vms/import?name=" + name + "&cpus=2&memoryMiB=512&networks=lan",
              HttpRequest.BodyPublishers.ofFile(image));
      assertThat(reply.statusCode()).as(reply.body()).isEqualTo(201);
      JsonNode vm = JSON.readTree(reply.body());
      assertThat(vm.get("name").asText()).isEqualTo(name);
      assertThat(vm.get("hostId").asText()).isEqualTo(host);
      assertThat(vm.get("cpus").asInt()).isEqualTo(2);
      assertThat(vm.get("networks").get(0).asText()).isEqualTo("lan");
      assertThat(vm.get("disks")).hasSize(1);
      assertThat(vm.get("disks").get(0).get("sizeBytes").asLong()).isEqualTo(SIZE);
      assertThat(reply.headers().firstValue("Location").orElseThrow())
          .endsWith("/vms/" + vm.get("id").asText());
      assertThat(get("/vms/" + vm.get("id").asText()).get("name").asText()).isEqualTo(name);

      Path disk = diskFile(vm.get("disks").get(0).get("id").asText());
      Path expected = image.equals(qcow2) ? qcow2AsRaw : raw;
      assertThat(QemuIo.sha256OfFile(disk))
          .as(image.getFileName().toString())
          .isEqualTo(QemuIo.sha256OfFile(expected));
    }
    assertThat(tempFiles()).isEmpty();

    // The same through the launcher: haven vms import --host H --name N FILE.
    int code =
        new CommandLine(new HavenCli())
            .execute(
                "vms",
                "--api",
                api.replace("/api/v1", ""),
                "import",
                "--host",
                "primary-host",
                "--name",
                "cli-import",
                "--network",
                "lan",
                qcow2.toString());
    assertThat(code).isZero();
    JsonNode listed = get("/hosts/" + host + "/vms");
    JsonNode cli = null;
    for (JsonNode vm : listed) {
      if (vm.get("name").asText().equals("cli-import")) {
        cli = vm;
      }
    }
    assertThat(cli).isNotNull();
    assertThat(QemuIo.sha256OfFile(diskFile(cli.get("disks").get(0).get("id").asText())))
        .isEqualTo(QemuIo.sha256OfFile(qcow2AsRaw));
  }

  @Test
  void R5_badUploadsAre400NamingTheFieldAndCreateNothing() throws Exception {
    int before = get("/hosts/" + host + "/vms").size();
    Path vmdk = tmp.resolve("guest.vmdk");
    run("qemu-img", "create", "-q", "-f", "vmdk", vmdk.toString(), "1M");
    byte[] corrupt = new byte[1 << 20];
    new SplittableRandom(4).nextBytes(corrupt);
    corrupt[0] = 'Q';
    corrupt[1] = 'F';
    corrupt[2] = 'I';
    corrupt[3] = (byte) 0xfb;
    String good = "/hosts/" + host + "/vms/import?name=bad&cpus=1&memoryMiB=256";

    assertBad(upload(good, HttpRequest.BodyPublishers.ofFile(vmdk)), "image");
    assertBad(upload(good, HttpRequest.BodyPublishers.ofByteArray(corrupt)), "image");
    assertBad(upload(good, HttpRequest.BodyPublishers.noBody()), "image");
    // Parameters are refused before any byte of the body is read, and the server then closes the
    // connection under a client still sending: these requests carry no body, so that race (in
    // which the JDK client sees EOF instead of the 400) cannot happen.
    assertBad(
        upload(
            "/hosts/" + host + "/vms/import?cpus=1&memoryMiB=256",
            HttpRequest.BodyPublishers.noBody()),
        "name");
    assertBad(
        upload(
            "/hosts/" + host + "/vms/import?name=x&cpus=0&memoryMiB=256",
            HttpRequest.BodyPublishers.noBody()),
        "cpus");
    HttpResponse<String> unknown =
        upload(
            "/hosts/host-nothere/vms/import?name=x&cpus=1&memoryMiB=256",
            HttpRequest.BodyPublishers.noBody());
    assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);

    assertThat(get("/hosts/" + host + "/vms").size()).isEqualTo(before);
    assertThat(tempFiles()).isEmpty();
  }

  @Test
  void R5_aClientThatHangsUpMidUploadLeavesNoVmAndNoTempFile() throws Exception {
    int before = get("/hosts/" + host + "/vms").size();
    URI uri = URI.create(api);
    byte[] block = new byte[1 << 20];
    new SplittableRandom(8).nextBytes(block);
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /api/v1/hosts/"
                  + host
                  + "/vms/import?name=hangup&cpus=1&memoryMiB=256 HTTP/1.1\r\n"
                  + "Host: 127.0.0.1\r\n"
                  + "Content-Type: application/octet-stream\r\n"
                  + "Content-Length: "
                  + (16L << 20)
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      // 4 of the 16 MiB promised, then the connection drops.
      for (int i = 0; i < 4; i++) {
        out.write(block);
      }
      out.flush();
      // Let the bytes reach the agent before hanging up, so the upload is under way there.
      for (int i = 0; i < 400 && tempFiles().isEmpty(); i++) {
        Thread.sleep(25);
      }
      assertThat(tempFiles()).as("the agent is receiving the upload").isNotEmpty();
    }
    // The API sees the broken body and cancels the agent call; wait (bounded) for the clean-up.
    for (int i = 0; i < 400 && !tempFiles().isEmpty(); i++) {
      Thread.sleep(50);
    }
    assertThat(tempFiles()).isEmpty();
    assertThat(get("/hosts/" + host + "/vms").size()).isEqualTo(before);
    assertThat(get("/hosts/" + host + "/vms").findValuesAsText("name")).doesNotContain("hangup");
  }

  private void assertBad(HttpResponse<String> reply, String field) throws IOException {
    assertThat(reply.statusCode()).as(reply.body()).isEqualTo(400);
    assertThat(JSON.readTree(reply.body()).get("field").asText()).isEqualTo(field);
  }

  private HttpResponse<String> upload(String path, HttpRequest.BodyPublisher body)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(api + path))
            .header("Content-Type", "application/octet-stream")
            .timeout(Duration.ofSeconds(60))
            .POST(body)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode get(String path) throws Exception {
    HttpResponse<String> reply =
        http.send(
            HttpRequest.newBuilder(URI.create(api + path)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
    return JSON.readTree(reply.body());
  }

  private Path diskFile(String diskId) throws IOException {
    try (Stream<Path> files = Files.walk(data.resolve("agents"))) {
      return files
          .filter(p -> p.getFileName().toString().equals(diskId + ".img"))
          .findFirst()
          .orElseThrow();
    }
  }

  private List<Path> tempFiles() throws IOException {
    List<Path> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(data.resolve("agents"))) {
      files
          .filter(
              p ->
                  p.getFileName().toString().startsWith(".upload-")
                      || p.getFileName().toString().startsWith(".import-"))
          .forEach(found::add);
    }
    return found;
  }

  private static void run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).inheritIO().start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();
  }
}
