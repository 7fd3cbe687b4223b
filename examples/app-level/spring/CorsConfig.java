// The lab API's CORS policy in Spring Boot (Spring MVC): a WebMvcConfigurer with a CorsRegistry.
// Docs: https://docs.spring.io/spring-framework/reference/web/webmvc-cors.html
package lab.cors;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.CorsRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

@Configuration
public class CorsConfig implements WebMvcConfigurer {

    // application.properties (per environment): cors.allowed-origins=http://localhost:3000,http://localhost:3001
    @Value("${cors.allowed-origins}")
    private String[] allowedOrigins;

    @Override
    public void addCorsMappings(CorsRegistry registry) {
        registry.addMapping("/v1/**")                  // only the API paths
                .allowedOrigins(allowedOrigins)        // exact origins; "*" is refused with credentials
                .allowedMethods("GET", "POST", "PUT", "DELETE")
                .allowedHeaders("Content-Type", "Authorization", "X-Trace-Id")
                .exposedHeaders("X-Request-Id")
                .allowCredentials(true)
                .maxAge(600);                          // Spring's default is 1800 s
        // Spring's DefaultCorsProcessor adds Vary: Origin, Access-Control-Request-Method,
        // Access-Control-Request-Headers and rejects a disallowed preflight with 403.
    }
}
