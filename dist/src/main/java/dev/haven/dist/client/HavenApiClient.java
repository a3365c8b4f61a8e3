package dev.haven.dist.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/** A small client of Haven's REST API for the CLI verbs, the demo and end-to-end tests. */
public final class HavenApiClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  /** {@code apiUrl} is e.g. {@code http://127.0.0.1:8080}; paths are relative to /api/v1. */
  public HavenApiClient(String apiUrl) {
    this.base = apiUrl.replaceAll("/+$", "") + "/api/v1";
  }

  public JsonNode get(String path) {
    return send("GET", path, null);
  }

  public JsonNode post(String path, Object body) {
    return send("POST", path, body);
  }

  public JsonNode put(String path, Object body) {
    return send("PUT", path, body);
  }

  /** Sends a raw body (e.g. malformed JSON) and returns the status and body, never throwing. */
  public Response raw(String method, String path, String body) {
    return exchange(
        method,
        path,
        "application/json",
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body),
        Duration.ofSeconds(30));
  }

  /**
   * POSTs {@code file} as an {@code application/octet-stream} body, streamed from disk, and answers
   * the JSON reply; a reply other than 2xx throws {@link ApiException} with the API's message.
   */
  public JsonNode upload(String path, Path file) throws IOException {
    // An image may take minutes to stream and convert: no bound but the server's own.
    Response response =
        exchange(
            "POST",
            path,
            "application/octet-stream",
            HttpRequest.BodyPublishers.ofFile(file),
            Duration.ofHours(2));
    return parsed("POST", path, response);
  }

  private Response exchange(
      String method,
      String path,
      String contentType,
      HttpRequest.BodyPublisher body,
      Duration timeout) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(timeout)
            .header("Content-Type", contentType)
            .header("Accept", "application/json")
            .method(method, body)
            .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      return new Response(response.statusCode(), response.body());
    } catch (IOException e) {
      throw new ApiException(method + " " + path, -1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException(method + " " + path, -1, "interrupted");
    }
  }

  private JsonNode send(String method, String path, Object body) {
    String text;
    try {
      text = body == null ? null : JSON.writeValueAsString(body);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot encode request body", e);
    }
    return parsed(method, path, raw(method, path, text));
  }

  private static JsonNode parsed(String method, String path, Response response) {
    if (response.status() / 100 != 2) {
      throw new ApiException(method + " " + path, response.status(), response.body());
    }
    try {
      return response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
    } catch (IOException e) {
      throw new ApiException(
          method + " " + path, response.status(), "not JSON: " + response.body());
    }
  }

  /** A status and body as the API answered them. */
  public record Response(int status, String body) {
    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new IllegalStateException("not JSON: " + body, e);
      }
    }
  }
}
